variable "REGISTRY" {
  default = ""
  validation {
    condition     = REGISTRY != "" # ERROR: Invalid value for variable @21
    error_message = "Set REGISTRY to the registry to push to."
  }
}
variable "PORT" {
  type    = list(strin) # ERROR: Invalid type specification @18
}
target "app" {}
