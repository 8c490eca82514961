target "default" {
  secret = ["id=mysecret"]
}
