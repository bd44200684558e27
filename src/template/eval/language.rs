//! `Fn::Cidr`, and the functions of the `AWS::LanguageExtensions` transform: `Fn::Length` and
//! `Fn::ToJsonString` (`Fn::ForEach` is expanded before evaluation, in `template::foreach`).

use super::{Evaluator, List, Text};
use crate::template::value::Value;
use crate::template::yaml::Node;
use std::net::{Ipv4Addr, Ipv6Addr};

impl Evaluator<'_> {
    /// `Fn::Cidr: [ipBlock, count, cidrBits]`: `count` consecutive blocks of `cidrBits` host
    /// bits each, from the start of `ipBlock` (IPv4 or IPv6), as CloudFormation computes them.
    pub(super) fn cidr(&mut self, arg: &Node) -> Value {
        let Some(args) = self.args(arg, "`Fn::Cidr`", 3) else {
            return Value::Null;
        };
        let mut texts = Vec::with_capacity(3);
        for (node, what) in args.iter().zip(["ipBlock", "count", "cidrBits"]) {
            match self.text(node, "Fn::Cidr") {
                Text::Known(t) => texts.push((t, node, what)),
                Text::Unknown(u) => return Value::Unknown(u),
                Text::Invalid => return Value::Null,
            }
        }
        let number = |i: usize| texts[i].0.trim().parse::<u32>().ok();
        let (Some(count), Some(bits)) = (number(1), number(2)) else {
            let (text, node, what) = if number(1).is_none() {
                &texts[1]
            } else {
                &texts[2]
            };
            self.error(
                node.span,
                format!("`Fn::Cidr` {what} must be a whole number, found `{text}`"),
            );
            return Value::Null;
        };
        match cidr_blocks(&texts[0].0, count, bits) {
            Ok(blocks) => Value::List(blocks.into_iter().map(Value::String).collect()),
            Err(message) => {
                self.error(arg.span, format!("`Fn::Cidr`: {message}"));
                Value::Null
            }
        }
    }

    /// `Fn::Length`: the number of items of a list.
    pub(super) fn length(&mut self, arg: &Node) -> Value {
        match self.list(arg, "`Fn::Length`") {
            List::Known(items) => Value::Number(items.len().to_string()),
            List::Unknown(u) => Value::Unknown(u),
            List::Invalid => Value::Null,
        }
    }

    /// `Fn::ToJsonString`: a mapping or list as compact JSON text.
    pub(super) fn json_string(&mut self, arg: &Node) -> Value {
        match self.eval(arg) {
            Some(v @ (Value::Map(_) | Value::List(_))) if v.is_known() => {
                Value::String(v.to_json().to_string())
            }
            Some(v @ (Value::Map(_) | Value::List(_))) => Value::Unknown(first_unknown(&v)),
            Some(Value::Unknown(u)) => Value::Unknown(u),
            other => {
                let found = other.as_ref().map_or("AWS::NoValue", Value::describe);
                self.error(
                    arg.span,
                    format!("`Fn::ToJsonString` takes a mapping or a list, found {found}"),
                );
                Value::Null
            }
        }
    }
}

/// What the first unknown part of `value` waits for.
fn first_unknown(value: &Value) -> String {
    match value {
        Value::Unknown(u) => Some(u.clone()),
        Value::List(items) => items.iter().find(|v| !v.is_known()).map(first_unknown),
        Value::Map(map) => map.values().find(|v| !v.is_known()).map(first_unknown),
        _ => None,
    }
    .unwrap_or_default()
}

/// The blocks `Fn::Cidr` returns, or why it cannot.
fn cidr_blocks(block: &str, count: u32, host_bits: u32) -> Result<Vec<String>, String> {
    if !(1..=256).contains(&count) {
        return Err(format!("count must be between 1 and 256, found {count}"));
    }
    let (address, prefix) = block
        .split_once('/')
        .ok_or_else(|| format!("ipBlock `{block}` is not in CIDR notation (address/prefix)"))?;
    let prefix: u32 = prefix
        .parse()
        .map_err(|_| format!("ipBlock `{block}` has no valid prefix length"))?;
    let (start, width, v6) = if let Ok(v4) = address.parse::<Ipv4Addr>() {
        (u128::from(u32::from(v4)), 32, false)
    } else if let Ok(v6) = address.parse::<Ipv6Addr>() {
        (u128::from(v6), 128, true)
    } else {
        return Err(format!("ipBlock `{block}` is not an IPv4 or IPv6 block"));
    };
    if prefix > width {
        return Err(format!(
            "ipBlock `{block}`: the prefix is longer than {width} bits"
        ));
    }
    if host_bits == 0 || host_bits > width - prefix {
        return Err(format!(
            "cidrBits {host_bits} does not fit in `{block}` (between 1 and {})",
            width - prefix
        ));
    }
    let new_prefix = width - host_bits;
    let available = 1u128 << (new_prefix - prefix);
    if u128::from(count) > available {
        return Err(format!(
            "`{block}` holds {available} blocks of /{new_prefix}, not {count}"
        ));
    }
    let network = start & mask(width, prefix);
    let size = 1u128 << host_bits;
    Ok((0..u128::from(count))
        .map(|i| {
            let base = network + i * size;
            let text = if v6 {
                Ipv6Addr::from(base).to_string()
            } else {
                Ipv4Addr::from(base as u32).to_string()
            };
            format!("{text}/{new_prefix}")
        })
        .collect())
}

/// The network mask of a `prefix`-bit prefix in a `width`-bit address.
fn mask(width: u32, prefix: u32) -> u128 {
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    if prefix == 0 {
        0
    } else {
        all & !((1u128 << (width - prefix)) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::*;
    use super::*;

    #[test]
    fn cidr_splits_a_block_as_cloudformation_does() {
        assert_eq!(
            cidr_blocks("10.0.0.0/16", 3, 8).unwrap(),
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
        );
        assert_eq!(
            cidr_blocks("192.168.0.0/24", 2, 5).unwrap(),
            ["192.168.0.0/27", "192.168.0.32/27"]
        );
        // The block's host bits are ignored, as CloudFormation does.
        assert_eq!(cidr_blocks("10.0.7.9/16", 1, 8).unwrap(), ["10.0.0.0/24"]);
        assert_eq!(
            cidr_blocks("2001:db8::/56", 2, 64).unwrap(),
            ["2001:db8::/64", "2001:db8:0:1::/64"]
        );
        assert!(
            cidr_blocks("10.0.0.0/24", 2, 9)
                .unwrap_err()
                .contains("does not fit")
        );
        assert!(
            cidr_blocks("10.0.0.0/24", 3, 7)
                .unwrap_err()
                .contains("holds 2 blocks")
        );
        assert!(
            cidr_blocks("10.0.0.0", 1, 8)
                .unwrap_err()
                .contains("CIDR notation")
        );
        assert!(
            cidr_blocks("10.0.0.0/16", 0, 8)
                .unwrap_err()
                .contains("between 1 and 256")
        );
    }

    #[test]
    fn cidr_length_and_to_json_string_evaluate() {
        run(&[
            (
                "!Cidr ['10.0.0.0/16', 2, 8]",
                Is(strings(&["10.0.0.0/24", "10.0.1.0/24"])),
            ),
            (
                "!Select [1, !Cidr ['10.0.0.0/16', '2', '8']]",
                Is(s("10.0.1.0/24")),
            ),
            ("!Cidr [!GetAtt Logs.Arn, 2, 8]", Is(unknown("Logs.Arn"))),
            (
                "!Cidr ['10.0.0.0/16', two, 8]",
                Fails("`Fn::Cidr` count must be a whole number, found `two`"),
            ),
            ("!Length [a, b, c]", Is(n("3"))),
            ("{Fn::Length: !Ref Subnets}", Is(n("2"))),
            ("{Fn::Length: !GetAtt Logs.Arn}", Is(unknown("Logs.Arn"))),
            (
                "!ToJsonString {a: 1, b: [x, !Ref Env]}",
                Is(s(r#"{"a":1,"b":["x","dev"]}"#)),
            ),
            ("!ToJsonString {a: !Ref Logs}", Is(unknown("Logs"))),
            (
                "!ToJsonString plain",
                Fails("`Fn::ToJsonString` takes a mapping or a list, found a string"),
            ),
        ]);
    }
}
