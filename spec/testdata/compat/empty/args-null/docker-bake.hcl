variable "V" { default = null }
target "default" {
  args = { A = "1", B = V, C = "" }
  labels = { L = null }
}
