// Migrations and the division tree are embedded with include_str!: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=data/divisions/pcas-code.json");
}
