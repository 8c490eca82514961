variable "TAG" {
  default = "dev"
}
target "default" {
  tags = ["app:${TAG}", "app:${OTHER}"]
}
