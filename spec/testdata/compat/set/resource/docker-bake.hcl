target "app" {
  tags = ["repo/app:1"]
  args = { A = "1" }
  platforms = ["linux/amd64"]
  output = ["type=image"]
}
