variable "OBJ" {
  type = object({ a = string, b = number })
  default = { a = "x", b = 1 }
}
target "default" {
  args = { A = OBJ.a, B = "${OBJ.b}" }
}
