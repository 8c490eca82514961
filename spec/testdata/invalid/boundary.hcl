# Reads outside the tree (this directory) need --allow fs.read.
include = ["../../doc.go"] # ERROR: Include outside the tree @12
variable "SHADOW" {
  default = file("/etc/shadow") # ERROR: Invalid function argument @19
}
variable "UP" {
  default = file("../../../go.mod") # ERROR: Invalid function argument @19
}
variable "INSIDE" {
  default = file("boundary.hcl")
}
target "t" {
  args = { a = SHADOW, b = UP, c = INSIDE }
}
