fn main() {
    std::process::exit(ministage::cli::main());
}
