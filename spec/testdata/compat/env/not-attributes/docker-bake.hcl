variable "TAG" { default = "1" }
target "default" {
  tags = ["repo/app:${TAG}"]
}
