target "base" {
  secret = ["id=NETRC_FILE"]
}
target "default" {
  contexts = { base = "target:base" }
}
