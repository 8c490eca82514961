variable "V" {
  default = null
}
target "default" {
  args = { V = V }
}
