//! The tables that `build.rs` writes into `OUT_DIR`, decoded once into plain vectors.
//!
//! Strings stay in the embedded string file (`&'static str` slices into it); only the numbers
//! are decoded. The layout is documented on `Model::write_tables` in `build.rs`.

use std::ops::Range;

use super::{AccessLevel, ConditionKeyType, GlobalKeyCategory};

static STRINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/service_ref_strings.txt"));
static TABLES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/service_ref_tables.bin"));

/// Must match `build.rs`.
const MAGIC: u32 = 0x4941_4d52;
/// Must match `build.rs`.
const FORMAT_VERSION: u32 = 1;

/// A service prefix with the ranges of its rows in the other tables.
#[derive(Debug)]
pub(super) struct ServiceRec {
    pub(super) prefix: &'static str,
    pub(super) name: &'static str,
    pub(super) actions: Range<u32>,
    pub(super) resource_types: Range<u32>,
    pub(super) keys: Range<u32>,
}

/// One action; `resource_types` indexes `Data::action_resource_types`, `keys` `Data::key_refs`.
#[derive(Debug)]
pub(super) struct ActionRec {
    pub(super) name: &'static str,
    pub(super) access: AccessLevel,
    pub(super) resource_types: Range<u32>,
    pub(super) keys: Range<u32>,
}

/// A resource type as listed by one action.
#[derive(Debug)]
pub(super) struct ActionResourceTypeRec {
    pub(super) resource_type: u32,
    pub(super) required: bool,
    pub(super) keys: Range<u32>,
}

/// A resource type of a service.
#[derive(Debug)]
pub(super) struct ResourceTypeRec {
    pub(super) service: u32,
    pub(super) name: &'static str,
    pub(super) arn: &'static str,
    pub(super) keys: Range<u32>,
}

/// A condition-key definition: a global key (`service == None`) or a service's entry.
#[derive(Debug)]
pub(super) struct KeyRec {
    pub(super) service: Option<u32>,
    pub(super) name: &'static str,
    pub(super) ty: ConditionKeyType,
    pub(super) global: bool,
    pub(super) category: Option<GlobalKeyCategory>,
    /// Glob for templated keys (`aws:RequestTag/?*`), empty otherwise.
    pub(super) glob: &'static str,
}

/// A raw `conditionPatterns` row.
#[derive(Debug)]
pub(super) struct PatternRec {
    pub(super) service: &'static str,
    pub(super) pattern: &'static str,
    pub(super) key: Option<u32>,
}

/// Everything, decoded.
#[derive(Debug, Default)]
pub(super) struct Data {
    pub(super) source: &'static str,
    pub(super) version: &'static str,
    pub(super) updated_at: &'static str,
    pub(super) services: Vec<ServiceRec>,
    pub(super) actions: Vec<ActionRec>,
    pub(super) action_resource_types: Vec<ActionResourceTypeRec>,
    pub(super) resource_types: Vec<ResourceTypeRec>,
    pub(super) keys: Vec<KeyRec>,
    pub(super) key_refs: Vec<u32>,
    /// (lower-cased name, key id), sorted by name.
    pub(super) key_index: Vec<(&'static str, u32)>,
    /// `key_index` by name hash, built on the first key lookup.
    pub(super) key_hash: std::sync::OnceLock<super::HashIndex>,
    /// Each resource type's ARN format, read on first use (by resource type id).
    pub(super) formats:
        std::sync::OnceLock<Vec<std::sync::OnceLock<Vec<super::arn_match::FormatToken>>>>,
    /// (glob, key id) in match priority order.
    pub(super) templates: Vec<(&'static str, u32)>,
    pub(super) patterns: Vec<PatternRec>,
    /// (lower-cased ARN service segment, resource type id), sorted by segment.
    pub(super) arn_index: Vec<(&'static str, u32)>,
    pub(super) arn_generic: Vec<u32>,
}

impl Data {
    /// The ARN format of resource type `id`, read once.
    pub(super) fn format(&self, id: u32) -> Option<&[super::arn_match::FormatToken]> {
        let id = usize::try_from(id).ok()?;
        let rec = self.resource_types.get(id)?;
        let slots = self.formats.get_or_init(|| {
            std::iter::repeat_with(std::sync::OnceLock::new)
                .take(self.resource_types.len())
                .collect()
        });
        Some(
            slots
                .get(id)?
                .get_or_init(|| super::arn_match::parse_format(rec.arn)),
        )
    }

    /// Decodes the embedded tables; on any inconsistency (which would be a build bug) the
    /// result is empty rather than a panic.
    pub(super) fn load() -> Self {
        Self::decode(TABLES, STRINGS).unwrap_or_default()
    }

    fn decode(bytes: &'static [u8], strings: &'static str) -> Option<Self> {
        let mut r = Reader {
            bytes,
            pos: 0,
            strings,
        };
        if r.num()? != MAGIC || r.num()? != FORMAT_VERSION {
            return None;
        }
        let mut d = Data {
            source: r.str()?,
            version: r.str()?,
            updated_at: r.str()?,
            ..Data::default()
        };
        d.keys.reserve(r.len()?);
        d.resource_types.reserve(r.len()?);
        d.actions.reserve(r.len()?);
        d.action_resource_types.reserve(r.len()?);
        d.key_refs.reserve(r.len()?);

        for _ in 0..r.num()? {
            d.keys.push(KeyRec {
                service: None,
                name: r.str()?,
                ty: ConditionKeyType::from_code(r.num()?)?,
                global: true,
                category: GlobalKeyCategory::from_code(r.num()?),
                glob: r.str()?,
            });
        }

        let service_count = r.num()?;
        d.services
            .reserve(usize::try_from(service_count).ok()?.min(bytes.len()));
        for service in 0..service_count {
            let prefix = r.str()?;
            let name = r.str()?;

            let key_start = len32(&d.keys)?;
            for _ in 0..r.num()? {
                d.keys.push(KeyRec {
                    service: Some(service),
                    name: r.str()?,
                    ty: ConditionKeyType::from_code(r.num()?)?,
                    global: r.num()? != 0,
                    category: None,
                    glob: r.str()?,
                });
            }
            let keys = key_start..len32(&d.keys)?;

            let rt_start = len32(&d.resource_types)?;
            for _ in 0..r.num()? {
                let name = r.str()?;
                let arn = r.str()?;
                let keys = r.ids(&mut d.key_refs)?;
                d.resource_types.push(ResourceTypeRec {
                    service,
                    name,
                    arn,
                    keys,
                });
            }
            let resource_types = rt_start..len32(&d.resource_types)?;

            let action_start = len32(&d.actions)?;
            for _ in 0..r.num()? {
                let name = r.str()?;
                let access = AccessLevel::from_code(r.num()?)?;
                let keys = r.ids(&mut d.key_refs)?;
                let art_start = len32(&d.action_resource_types)?;
                for _ in 0..r.num()? {
                    let resource_type = rt_start.checked_add(r.num()?)?;
                    let required = r.num()? != 0;
                    let keys = r.ids(&mut d.key_refs)?;
                    d.action_resource_types.push(ActionResourceTypeRec {
                        resource_type,
                        required,
                        keys,
                    });
                }
                let resource_types = art_start..len32(&d.action_resource_types)?;
                d.actions.push(ActionRec {
                    name,
                    access,
                    resource_types,
                    keys,
                });
            }
            let actions = action_start..len32(&d.actions)?;

            d.services.push(ServiceRec {
                prefix,
                name,
                actions,
                resource_types,
                keys,
            });
        }

        for _ in 0..r.num()? {
            d.key_index.push((r.str()?, r.num()?));
        }
        for _ in 0..r.num()? {
            d.templates.push((r.str()?, r.num()?));
        }
        for _ in 0..r.num()? {
            let service = r.str()?;
            let pattern = r.str()?;
            let key = r.num()?.checked_sub(1);
            d.patterns.push(PatternRec {
                service,
                pattern,
                key,
            });
        }
        for _ in 0..r.num()? {
            d.arn_index.push((r.str()?, r.num()?));
        }
        r.ids(&mut d.arn_generic)?;
        (r.pos == bytes.len()).then_some(d)
    }
}

fn len32<T>(v: &[T]) -> Option<u32> {
    u32::try_from(v.len()).ok()
}

struct Reader {
    bytes: &'static [u8],
    pos: usize,
    strings: &'static str,
}

impl Reader {
    /// One LEB128 varint.
    #[inline]
    fn num(&mut self) -> Option<u32> {
        let byte = *self.bytes.get(self.pos)?;
        if byte < 0x80 {
            self.pos += 1;
            return Some(u32::from(byte));
        }
        self.num_long()
    }

    /// A varint of more than one byte.
    #[inline(never)]
    fn num_long(&mut self) -> Option<u32> {
        let mut n: u32 = 0;
        for shift in (0..35).step_by(7) {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            n |= u32::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A row count, capped so that a corrupt table cannot ask for a huge allocation.
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.num()?).ok()?;
        Some(n.min(self.bytes.len()))
    }

    /// An `(offset, len)` string reference.
    #[inline]
    fn str(&mut self) -> Option<&'static str> {
        let start = usize::try_from(self.num()?).ok()?;
        let len = usize::try_from(self.num()?).ok()?;
        self.strings.get(start..start.checked_add(len)?)
    }

    /// A counted list of ids appended to `out`; returns their range in `out`.
    #[inline]
    fn ids(&mut self, out: &mut Vec<u32>) -> Option<Range<u32>> {
        let start = len32(out)?;
        for _ in 0..self.num()? {
            out.push(self.num()?);
        }
        Some(start..len32(out)?)
    }
}
