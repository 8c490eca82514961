target "a" {
  tags   = ["example.com/shared:1"]
  output = ["type=local,dest=out", "type=image,push=true"]
}
target "b" {
  tags   = ["example.com/shared:1"] # WARNING(duplicate-tag): Duplicate tag @13
  output = ["type=local,dest=out", "type=image,push=true"] # ERROR(output-conflict): Output conflict @13
}
target "c" {
  output = ["type=tar,dest=-"]
}
target "d" {
  output = ["-"] # ERROR(output-conflict): Output conflict @13
}
