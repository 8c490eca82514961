variable "TAG" {
  default = "from-main"
}
target "app" {
  tags      = ["example.com/app:${TAG}"]
  args      = { A = "main", B = "main" }
  platforms = ["linux/amd64"]
}
