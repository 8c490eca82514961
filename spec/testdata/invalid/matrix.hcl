target "nomatrixname" {
  matrix = { a = ["x", "y"] } # ERROR: Matrix without name @3
}
target "dup" {
  matrix = { a = ["x", "y"] }
  name   = "dup" # ERROR: Duplicate matrix name @12
}
target "badname" {
  matrix = { v = ["1.0"] }
  name   = "app-${v}" # ERROR: Invalid name @12
}
target "notlist" {
  matrix = { v = "1" } # ERROR: Invalid matrix @12
  name   = "n-${v}"
}
target "plain" {
  name = "x" # ERROR: Name without matrix @3
}
target "bad.name" {} # ERROR: Invalid name @8
