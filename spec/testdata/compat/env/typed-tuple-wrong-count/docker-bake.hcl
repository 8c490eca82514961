variable "T" {
  type = tuple([string, string])
  default = ["a", "b"]
}
target "default" {
  tags = T
}
