fn main() {
    // Re-embed the migrations whenever one is added or edited (`sqlx::migrate!` reads them at
    // compile time).
    println!("cargo:rerun-if-changed=migrations");
}
