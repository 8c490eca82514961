variable "V" {
  default = "b"
}
