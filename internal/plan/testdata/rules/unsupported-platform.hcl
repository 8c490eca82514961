builder "farm" {
  driver = "remote"
  node "amd" {
    endpoint  = "tcp://127.0.0.1:1234"
    platforms = ["linux/amd64"]
  }
}
target "app" {
  builder   = "farm"
  platforms = ["linux/amd64", "linux/riscv64"] # ERROR(unsupported-platform): Unsupported platform @31
  output    = ["type=oci,dest=app.tar"]
}
