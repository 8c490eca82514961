variable "TAG" { default = "a" }
target "default" {
  tags = ["repo/app:${TAG}"]
}
