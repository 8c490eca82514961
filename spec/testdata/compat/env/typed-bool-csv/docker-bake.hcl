variable "B" {
  type = list(bool)
  default = [true]
}
target "default" {
  args = { B = join(",", [for b in B : tostring(b)]) }
}
