// generated from direct-call1.p4

parser p()() {
  state start {}
  state start {}
}
