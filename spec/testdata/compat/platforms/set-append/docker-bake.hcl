target "default" {
  platforms = ["linux/amd64"]
}
