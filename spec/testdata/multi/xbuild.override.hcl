variable "TAG" {
  default = "from-override"
}
target "app" {
  args = { B = "override" }
}
