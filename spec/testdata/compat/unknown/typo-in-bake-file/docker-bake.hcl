target "default" {
  tags = ["repo/app:1"]
  tagz = ["x"]
}
