variable "A" {
  default = B
}
variable "B" {
  default = A # ERROR: Reference cycle @13
}
function "loop" {
  params = [x]
  result = loop(x) # ERROR: Reference cycle @12
}
target "c1" {
  inherits = ["c2"]
}
target "c2" {
  inherits = ["c1"] # ERROR: Inherits cycle @15
}
target "r1" {
  tags = target.r2.tags
}
target "r2" {
  tags = target.r1.tags # ERROR: Reference cycle @10
}
target "self" {
  contexts = { me = "target:self" } # ERROR: Target links to itself @21
}
group "g1" {
  targets = ["g2"]
}
group "g2" {
  targets = ["g1"] # ERROR: Group cycle @14
}
