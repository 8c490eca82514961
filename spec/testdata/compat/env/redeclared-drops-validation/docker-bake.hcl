variable "V" {
  default = "a"
  validation {
    condition = V == "a"
    error_message = "V must be a"
  }
}
target "default" {
  args = { V = V }
}
