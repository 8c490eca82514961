variable "N" {
  type    = number
  default = "abc" # ERROR: Invalid value for variable @13
}
target "app" {
  platforms = "linux/amd64" # ERROR: Incorrect attribute value type @15
  no-cache  = "maybe" # ERROR: Incorrect attribute value type @15
  tags      = ["a", ["b"]] # ERROR: Incorrect attribute value type @21
  args      = { A = ["x"] } # ERROR: Incorrect attribute value type @21
  context   = ["."] # ERROR: Incorrect attribute value type @15
}
