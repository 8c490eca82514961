variable "L" {
  type = list(string)
  default = []
}
target "default" { args = { A = join(",", L) } }
