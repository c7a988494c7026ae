//! The simulator's own hygiene: files it writes, memory it keeps, descriptors it runs out of,
//! scenario numbers it cannot represent.

use crate::common::Sim;

#[test]
fn the_certificate_file_has_a_name_no_one_can_plant_in_advance() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::spawn(None, &["--tls"]);
    let path = sim.cacert.as_ref().expect("a certificate path");
    let name = path.file_name().expect("a name").to_string_lossy();
    // A name made of the process id is known to anyone who can list processes: a symlink
    // planted there would have the simulator overwrite its target.
    assert_ne!(name, format!("imsjob-sim-{}.pem", sim.pid()));
    let meta = std::fs::symlink_metadata(path).expect("exists");
    assert!(meta.file_type().is_file(), "a regular file of its own");
    assert_eq!(meta.permissions().mode() & 0o077, 0, "private");
    let pem = std::fs::read_to_string(path).expect("readable");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}
