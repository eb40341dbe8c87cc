//! Any bytes → (if UTF-8) the account snapshot readers: a GAAD file, a resource policy file, an
//! Organizations dump file and an iam-collect file must never panic, every diagnostic must lie
//! inside its source, and every policy document's span inside its source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::account::load::{read_gaad, read_tree, TreeFile};
use policy_core::account::Snapshot;
use policy_core::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut s = Snapshot::default();
    read_gaad(&mut s, SourceFile::new("gaad.json", text), None);
    check(&s);
    let paths = [
        "accounts/111122223333/gaad.json",
        "accounts/111122223333/resources/arn:aws:s3:::b.json",
        "organization/describe-organization.json",
        "organization/list-roots.json",
        "organization/children/r-examplerootid.ou.json",
        "organization/policies/p-1.json",
        "organization/targets/p-1.json",
        "aws/aws/accounts/111122223333/iam/role/r/trust-policy.json",
        "aws/aws/accounts/111122223333/iam/role/r/metadata.json",
        "aws/aws/organizations/o-1/metadata.json",
        "aws/aws/organizations/o-1/ous.json",
    ];
    let files = paths
        .iter()
        .map(|p| TreeFile {
            path: (*p).to_string(),
            file: SourceFile::new(*p, text),
        })
        .collect();
    let mut s = Snapshot::default();
    read_tree(&mut s, files);
    check(&s);
    for principal in s.principals() {
        let _ = s.policy_set(principal, "*", false);
    }
});

fn check(s: &Snapshot) {
    for d in &s.diagnostics {
        let source = &s.sources[d.source];
        assert!(d.span.range().end <= source.text().len(), "{d:?}");
    }
    for a in s.accounts.values() {
        let docs = a
            .users
            .iter()
            .flat_map(|u| u.inline.iter())
            .chain(a.roles.iter().flat_map(|r| r.inline.iter().chain(r.trust.iter())))
            .chain(a.managed_policies.values().map(|p| &p.document))
            .chain(a.resources.values().map(|p| &p.document));
        for d in docs {
            assert!(d.span.range().end <= s.sources[d.source].text().len());
        }
    }
}
