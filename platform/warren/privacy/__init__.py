"""Privacy: what each brand promises its users, and the text in which it promises it."""
