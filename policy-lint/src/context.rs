//! The context a rule checks in: the policy, the settings, the reference data, the findings.

use std::rc::Rc;

use policy_core::ast::{Policy, PolicyKind, Statement};
use policy_core::service_ref::ServiceRef;
use policy_core::Span;

use crate::facts::Facts;
use crate::finding::{Finding, FindingBuilder};
use crate::rule::RuleMeta;
use crate::settings::Settings;

/// What a rule sees and where it reports.
#[derive(Debug)]
pub struct LintContext<'a> {
    policy: &'a Policy,
    settings: &'a Settings,
    findings: Vec<Finding>,
    /// Each statement's facts, by position, once a rule has asked.
    facts: Vec<Option<Rc<Facts>>>,
}

impl<'a> LintContext<'a> {
    /// A context for one policy.
    pub fn new(policy: &'a Policy, settings: &'a Settings) -> Self {
        Self {
            policy,
            settings,
            findings: Vec::new(),
            facts: Vec::new(),
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

    /// What the rules ask of a statement's `Action` and `Resource` entries, computed on the
    /// first request and shared by every rule after it. A statement of another policy gets
    /// its facts computed afresh.
    pub(crate) fn facts(&mut self, statement: &Statement) -> Rc<Facts> {
        let i = statement.index;
        let ours = self
            .policy
            .statements
            .get(i)
            .is_some_and(|s| std::ptr::eq(s, statement));
        if !ours {
            return Rc::new(Facts::of(statement));
        }
        if let Some(Some(found)) = self.facts.get(i) {
            return Rc::clone(found);
        }
        let found = Rc::new(Facts::of(statement));
        if self.facts.len() <= i {
            self.facts.resize(i + 1, None);
        }
        if let Some(slot) = self.facts.get_mut(i) {
            *slot = Some(Rc::clone(&found));
        }
        found
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

    /// The findings reported so far, in order.
    pub(crate) fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings reported so far.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}
