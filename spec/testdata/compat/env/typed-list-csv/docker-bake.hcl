variable "NUMS" {
  type = list(number)
  default = [1]
}
variable "NAMES" {
  type = list(string)
  default = []
}
target "default" {
  args = { N = join(",", [for n in NUMS : "${n}"]), S = join(":", NAMES) }
}
