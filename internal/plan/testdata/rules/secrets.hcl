target "app" {
  secret = [
    "id=ok,src=secret.txt",
    "id=file,src=missing.txt", # ERROR(missing-secret): Missing secret @5
    "id=tok,env=XBAKE_TEST_SET",
    "id=gone,env=XBAKE_TEST_UNSET", # ERROR(missing-secret): Missing secret @5
  ]
  output = ["type=oci,dest=app.tar"]
}
