# Two keys: bake walks the matrix as a Go map, so its order varies; this
# is the order it prints most often (the first key varying fastest).
target "t" {
  name = "${type}_jdk${jdk}"
  matrix = { type = ["agent", "inbound"], jdk = ["17", "21"] }
}
