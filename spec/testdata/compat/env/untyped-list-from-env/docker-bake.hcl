variable "L" {
  default = ["a", "b"]
}
target "default" {
  tags = L
}
