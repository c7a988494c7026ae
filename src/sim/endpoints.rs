//! Where each service's jobs API lies on the simulator.

use crate::service::Service;

/// Where a service's endpoint lies under the simulator's address `base_url`: IMS at the
/// root, ECS, EVS and BMS under `/ecs`, `/evs`, `/bms`. Separate prefixes give each service
/// a job namespace of its own on one port, as separate hosts do on the cloud.
#[must_use]
pub(crate) fn service_base(base_url: &str, service: Service) -> String {
    match service {
        Service::Ims => base_url.to_owned(),
        other => format!("{base_url}/{}", other.name()),
    }
}
