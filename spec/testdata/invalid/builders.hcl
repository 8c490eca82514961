builder "a" {
  driver = "remot" # ERROR: Unknown builder driver @12
}
builder "b" {
  driver   = "remote"
  endpoint = "http://x:1234" # ERROR: Invalid endpoint @14
}
builder "c" { # ERROR: Remote builder without endpoint @9
  driver = "remote"
}
builder "d" {
  default = true
}
builder "e" { # ERROR: Two default builders @9
  default = true
}
builder "f" {
  node "n1" { # ERROR: Endpoint on a local builder @8
    endpoint = "tcp://10.0.0.1:1234"
  }
}
target "app" {
  builder = "d"
}
