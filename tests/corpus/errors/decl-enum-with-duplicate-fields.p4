// generated from enum-folding.p4

enum X {
  b,
  a,
  b
};
