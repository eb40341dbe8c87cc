//! The context a rule checks in: the policy, the settings, the reference data, the findings.

use policy_core::ast::{Policy, PolicyKind};
use policy_core::service_ref::ServiceRef;
use policy_core::Span;

use crate::finding::{Finding, FindingBuilder};
use crate::rule::RuleMeta;
use crate::settings::Settings;

/// What a rule sees and where it reports.
#[derive(Debug)]
pub struct LintContext<'a> {
    policy: &'a Policy,
    settings: &'a Settings,
    findings: Vec<Finding>,
}

impl<'a> LintContext<'a> {
    /// A context for one policy.
    pub fn new(policy: &'a Policy, settings: &'a Settings) -> Self {
        Self {
            policy,
            settings,
            findings: Vec::new(),
        }
    }

    /// The policy being checked.
    pub fn policy(&self) -> &'a Policy {
        self.policy
    }

    /// The kind the policy is checked as.
    pub fn kind(&self) -> PolicyKind {
        self.policy.kind
    }

    /// The settings.
    pub fn settings(&self) -> &'a Settings {
        self.settings
    }

    /// The embedded IAM service reference.
    pub fn service_ref(&self) -> &'static ServiceRef {
        ServiceRef::get()
    }

    /// Reports a finding of `rule` at `span`. Per-rule severity overrides apply.
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> FindingBuilder<'_> {
        let mut finding = Finding::new(rule, span, message);
        finding.severity = self.settings.severity_of(rule);
        self.findings.push(finding);
        FindingBuilder(self.findings.last_mut())
    }

    /// The findings reported so far.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
