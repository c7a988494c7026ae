//! imsjob: see and gate on Open Telekom Cloud IMS asynchronous jobs.

pub mod auth;
