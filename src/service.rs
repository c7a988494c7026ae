//! The OTC services whose asynchronous jobs imsjob follows. IMS, ECS, EVS and BMS answer the
//! same jobs API (`GET /v1/{project_id}/jobs/{job_id}`), each on its own endpoint, so one
//! waiter serves them all: a service only decides where the requests go.

/// `--service` / `IMSJOB_SERVICE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum Service {
    /// Image Management Service
    #[default]
    Ims,
    /// Elastic Cloud Server
    Ecs,
    /// Elastic Volume Service
    Evs,
    /// Bare Metal Server
    Bms,
}

impl Service {
    pub(crate) const ALL: [Self; 4] = [Self::Ims, Self::Ecs, Self::Evs, Self::Bms];

    /// The name as typed, and the host prefix of its endpoints.
    #[must_use]
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ims => "ims",
            Self::Ecs => "ecs",
            Self::Evs => "evs",
            Self::Bms => "bms",
        }
    }

    /// For messages: `IMS`, `ECS`, ...
    #[must_use]
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Ims => "IMS",
            Self::Ecs => "ECS",
            Self::Evs => "EVS",
            Self::Bms => "BMS",
        }
    }

    /// Service types that name it in an IAM token catalog, preferred first. OTC lists ECS as
    /// `ecs` (and its OpenStack face as `compute`), EVS as `evs` (and `volumev2`).
    #[must_use]
    pub(crate) fn catalog_types(self) -> &'static [&'static str] {
        match self {
            Self::Ims => &["image"],
            Self::Ecs => &["ecs", "compute"],
            Self::Evs => &["evs", "volumev2", "volumev3", "block-storage"],
            Self::Bms => &["bms"],
        }
    }

    /// The public endpoint of a region: `https://{service}.{region}.otc.t-systems.com`, with
    /// the Swiss region under `.sc.`. `region` has passed the credential resolution's check
    /// (`[a-z0-9-]+`): pasted into the host, anything else could name another host.
    #[must_use]
    pub(crate) fn regional_endpoint(self, region: &str) -> String {
        let name = self.name();
        if region == "eu-ch2" {
            format!("https://{name}.{region}.sc.otc.t-systems.com")
        } else {
            format!("https://{name}.{region}.otc.t-systems.com")
        }
    }

    /// Parses a value of `IMSJOB_SERVICE` (any case).
    ///
    /// # Errors
    /// The accepted names, when `text` is none of them.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|service| service.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|s| s.name()).collect();
                format!("unknown service `{text}` (one of {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_per_service_and_region() {
        assert_eq!(
            Service::Ecs.regional_endpoint("eu-de"),
            "https://ecs.eu-de.otc.t-systems.com"
        );
        assert_eq!(
            Service::Evs.regional_endpoint("eu-ch2"),
            "https://evs.eu-ch2.sc.otc.t-systems.com"
        );
        assert_eq!(Service::parse(" BMS "), Ok(Service::Bms));
        assert!(
            Service::parse("rds")
                .expect_err("not a service")
                .contains("ims, ecs, evs, bms")
        );
    }
}
