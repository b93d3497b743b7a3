//! The migrations are embedded in the binary at compile time; this makes Cargo rebuild the
//! store when one of them changes, not only when Rust code does.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
