variable "FLAG" { default = false }
variable "NUM" { default = 1 }
target "default" {
  args = { F = FLAG ? "on" : "off", N = NUM + 1 }
}
