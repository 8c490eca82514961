target "default" {
  tags = ["r/app:1"]
}
