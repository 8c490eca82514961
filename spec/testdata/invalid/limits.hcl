# Evaluation bounds: values and function results that would exhaust memory.
variable "v0" {
  default = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
}
variable "v1" { default = "${v0}${v0}" }
variable "v2" { default = "${v1}${v1}" }
variable "v3" { default = "${v2}${v2}" }
variable "v4" { default = "${v3}${v3}" }
variable "v5" { default = "${v4}${v4}" }
variable "v6" { default = "${v5}${v5}" }
variable "v7" { default = "${v6}${v6}" }
variable "v8" { default = "${v7}${v7}" }
variable "v9" { default = "${v8}${v8}" }
variable "v10" { default = "${v9}${v9}" }
variable "v11" { default = "${v10}${v10}" }
variable "v12" { default = "${v11}${v11}" }
variable "v13" { default = "${v12}${v12}" }
variable "v14" { default = "${v13}${v13}" }
variable "v15" { default = "${v14}${v14}" }
variable "v16" { default = "${v15}${v15}" }
variable "v17" { default = "${v16}${v16}" }
variable "v18" { default = "${v17}${v17}" }
variable "v19" { default = "${v18}${v18}" } # ERROR: Value too large @28
variable "v20" { default = "${v19}${v19}" }
variable "v21" { default = "${v20}${v20}" } 
variable "v22" { default = "${v21}${v21}" }
variable "v23" { default = "${v22}${v22}" }
target "t" {
  args = {
    a = length(setproduct(range(1000), range(1000), range(1000))) # ERROR: Error in function call @16
    b = format("%99999d", 1) # ERROR: Error in function call @9
    c = v23
  }
}
