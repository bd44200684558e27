//! The two traits of a resource type: [`Resource`], which a type's file implements with plain
//! `async fn`s, and [`Handler`], the object-safe form the engine holds (`&dyn Handler`). A
//! blanket impl turns every `Resource` into a `Handler`, boxing each future once, here.

use super::{Attributes, Created, Ctx, Live, Props, Result};
use crate::template::stack::Stack;
use futures_util::future::BoxFuture;
use std::future::Future;

/// A resource found by [`Handler::adopt`]: what `Ref` returns and what AWS has now.
#[derive(Debug, Clone, PartialEq)]
pub struct Adopted {
    pub physical_id: String,
    pub live: Live,
}

/// Whose a live resource is, by its ownership tags (`fuelflow:stack`, `fuelflow:logical-id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub stack: String,
    pub logical_id: String,
}

impl Owner {
    /// The owner the tags name, when they carry both ownership tags.
    pub fn from_tags<K: AsRef<str>, V: AsRef<str>>(
        tags: impl IntoIterator<Item = (K, V)>,
    ) -> Option<Owner> {
        let (mut stack, mut logical_id) = (None, None);
        for (k, v) in tags {
            match k.as_ref() {
                super::OWNER_STACK_TAG => stack = Some(v.as_ref().to_string()),
                super::OWNER_LOGICAL_ID_TAG => logical_id = Some(v.as_ref().to_string()),
                _ => {}
            }
        }
        Some(Owner {
            stack: stack?,
            logical_id: logical_id?,
        })
    }

    /// Whether this is the resource `ctx` is about (same stack, same logical id).
    pub fn is(&self, ctx: &Ctx) -> bool {
        self.stack == ctx.stack && self.logical_id == ctx.logical_id
    }
}

/// How long a type's operations typically take on AWS, in seconds: what the apply walk uses to
/// start the longest chains first, and what the plan's estimate adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypicalSeconds {
    pub create: u64,
    pub update: u64,
    pub delete: u64,
}

impl TypicalSeconds {
    /// Most API calls: a second or two.
    pub const QUICK: TypicalSeconds = TypicalSeconds {
        create: 2,
        update: 2,
        delete: 2,
    };
}

/// One resource type's read / create / update / delete, written with plain `async fn`.
pub trait Resource: Send + Sync {
    /// The property holding the physical name when the user may set it (`BucketName`,
    /// `RoleName`); fuelflow generates one before `create` when the template does not, so the
    /// name is known (and recorded) before the create call is made.
    fn name_property(&self) -> Option<&'static str> {
        None
    }

    /// The longest name the service accepts, and whether it must be lower case.
    fn name_rules(&self) -> (usize, bool) {
        (64, false)
    }

    /// The template properties this handler sends and reads. `validate` refuses any other
    /// property of the type's schema ("not supported by fuelflow yet").
    fn managed_properties(&self) -> &'static [&'static str];

    /// Properties whose value is a secret whatever it is (`SecretString`): recorded as salted
    /// hashes, shown as `(sensitive)`.
    fn secret_properties(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether calls need the template's directory (under `fuelflow:TemplateDir`): local code
    /// paths are relative to it.
    fn needs_template_dir(&self) -> bool {
        false
    }

    /// The desired properties as `read` reports them, for diffing and recording: local code as
    /// the hash it will have once deployed, for example. `props` carries `fuelflow:TemplateDir`
    /// when [`Resource::needs_template_dir`].
    fn compare_view(&self, props: Props) -> Result<Props> {
        Ok(props)
    }

    /// Resources of the same stack this one must come after although it does not refer to
    /// them (an API Gateway deployment after its API's methods).
    fn implicit_dependencies(&self, _stack: &Stack, _logical_id: &str) -> Vec<String> {
        Vec::new()
    }

    /// Resources whose change must replace this one although its own properties did not
    /// change (a deployment snapshots its API's methods: a changed method is redeployed).
    fn replaced_when_changed(&self, _stack: &Stack, _logical_id: &str) -> Vec<String> {
        Vec::new()
    }

    /// Whether delete can keep a final snapshot (`DeletionPolicy`/`UpdateReplacePolicy:
    /// Snapshot`), through [`Resource::delete_with_snapshot`].
    fn takes_final_snapshot(&self) -> bool {
        false
    }

    /// How long create, update and delete typically take (a fact of the type, for scheduling).
    fn typical_seconds(&self) -> TypicalSeconds {
        TypicalSeconds::QUICK
    }

    fn create(&self, ctx: &Ctx, props: &Props) -> impl Future<Output = Result<Created>> + Send;

    /// The live resource, or `None` when it no longer exists.
    fn read(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        desired: &Props,
    ) -> impl Future<Output = Result<Option<Live>>> + Send;

    /// Applies in-place changes (create-only properties never reach here). Returns the
    /// attributes after the update.
    fn update(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        old: &Props,
        new: &Props,
    ) -> impl Future<Output = Result<Attributes>> + Send;

    /// Deletes; a resource already gone is `Ok`.
    fn delete(
        &self,
        ctx: &Ctx,
        physical_id: &str,
        props: &Props,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The physical id of a resource this stack created but never recorded (a crash between
    /// the create call and the checkpoint, or a lost answer): by its name when `props` has one,
    /// else by the ownership tags, skipping the ids listed under
    /// [`EARLIER_COPIES`](super::EARLIER_COPIES) (the resource's current and deposed copies,
    /// which the new one must not be taken for). A type with neither name nor tags may use
    /// [`CREATE_STARTED`](super::CREATE_STARTED). A resource still being created is waited for.
    fn find(&self, ctx: &Ctx, props: &Props)
    -> impl Future<Output = Result<Option<String>>> + Send;

    /// The owner named by the ownership tags of the resource called `name` (its name property's
    /// value), `None` when it has no such tags, does not exist, or the type cannot tell (the
    /// default). A create that meets "already exists" for a template-given name adopts the
    /// resource when it is this stack's own (a run that created it was killed, or an older state
    /// was restored), instead of failing.
    fn owner(&self, _ctx: &Ctx, _name: &str) -> impl Future<Output = Result<Option<Owner>>> + Send {
        async { Ok(None) }
    }

    /// Deletes keeping a final snapshot named `snapshot` (only asked when
    /// [`Resource::takes_final_snapshot`]).
    fn delete_with_snapshot(
        &self,
        _ctx: &Ctx,
        physical_id: &str,
        _snapshot: &str,
    ) -> impl Future<Output = Result<()>> + Send {
        let message = format!("{physical_id}: this type takes no final snapshot");
        async move { Err(super::ResourceError::new("NotSupported", message)) }
    }
}

/// A resource type as the engine holds it (`&dyn Handler`): [`Resource`]'s methods with boxed
/// futures. Documented on [`Resource`].
pub trait Handler: Send + Sync {
    fn name_property(&self) -> Option<&'static str>;
    fn name_rules(&self) -> (usize, bool);
    fn managed_properties(&self) -> &'static [&'static str];
    fn secret_properties(&self) -> &'static [&'static str];
    fn needs_template_dir(&self) -> bool;
    fn compare_view(&self, props: Props) -> Result<Props>;
    fn implicit_dependencies(&self, stack: &Stack, logical_id: &str) -> Vec<String>;
    fn replaced_when_changed(&self, stack: &Stack, logical_id: &str) -> Vec<String>;
    fn takes_final_snapshot(&self) -> bool;
    fn typical_seconds(&self) -> TypicalSeconds;

    fn create<'a>(&'a self, ctx: &'a Ctx, props: &'a Props) -> BoxFuture<'a, Result<Created>>;

    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        desired: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Live>>>;

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        old: &'a Props,
        new: &'a Props,
    ) -> BoxFuture<'a, Result<Attributes>>;

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<()>>;

    fn delete_with_snapshot<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        snapshot: &'a str,
    ) -> BoxFuture<'a, Result<()>>;

    fn owner<'a>(&'a self, ctx: &'a Ctx, name: &'a str) -> BoxFuture<'a, Result<Option<Owner>>>;

    /// A resource this stack created but never recorded, with its full live properties (read
    /// with `props` as the desired ones), so what follows diffs from what AWS has.
    fn adopt<'a>(
        &'a self,
        ctx: &'a Ctx,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Adopted>>>;
}

impl<T: Resource> Handler for T {
    fn name_property(&self) -> Option<&'static str> {
        Resource::name_property(self)
    }

    fn name_rules(&self) -> (usize, bool) {
        Resource::name_rules(self)
    }

    fn managed_properties(&self) -> &'static [&'static str] {
        Resource::managed_properties(self)
    }

    fn secret_properties(&self) -> &'static [&'static str] {
        Resource::secret_properties(self)
    }

    fn needs_template_dir(&self) -> bool {
        Resource::needs_template_dir(self)
    }

    fn compare_view(&self, props: Props) -> Result<Props> {
        Resource::compare_view(self, props)
    }

    fn implicit_dependencies(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        Resource::implicit_dependencies(self, stack, logical_id)
    }

    fn replaced_when_changed(&self, stack: &Stack, logical_id: &str) -> Vec<String> {
        Resource::replaced_when_changed(self, stack, logical_id)
    }

    fn takes_final_snapshot(&self) -> bool {
        Resource::takes_final_snapshot(self)
    }

    fn typical_seconds(&self) -> TypicalSeconds {
        Resource::typical_seconds(self)
    }

    fn create<'a>(&'a self, ctx: &'a Ctx, props: &'a Props) -> BoxFuture<'a, Result<Created>> {
        Box::pin(Resource::create(self, ctx, props))
    }

    fn read<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        desired: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Live>>> {
        Box::pin(Resource::read(self, ctx, physical_id, desired))
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        old: &'a Props,
        new: &'a Props,
    ) -> BoxFuture<'a, Result<Attributes>> {
        Box::pin(Resource::update(self, ctx, physical_id, old, new))
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(Resource::delete(self, ctx, physical_id, props))
    }

    fn delete_with_snapshot<'a>(
        &'a self,
        ctx: &'a Ctx,
        physical_id: &'a str,
        snapshot: &'a str,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(Resource::delete_with_snapshot(
            self,
            ctx,
            physical_id,
            snapshot,
        ))
    }

    fn owner<'a>(&'a self, ctx: &'a Ctx, name: &'a str) -> BoxFuture<'a, Result<Option<Owner>>> {
        Box::pin(Resource::owner(self, ctx, name))
    }

    fn adopt<'a>(
        &'a self,
        ctx: &'a Ctx,
        props: &'a Props,
    ) -> BoxFuture<'a, Result<Option<Adopted>>> {
        Box::pin(async move {
            let Some(physical_id) = Resource::find(self, ctx, props).await? else {
                return Ok(None);
            };
            Ok(Resource::read(self, ctx, &physical_id, props)
                .await?
                .map(|live| Adopted { physical_id, live }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_needs_both_ownership_tags() {
        let both = [
            ("Team", "a"),
            ("fuelflow:stack", "app"),
            ("fuelflow:logical-id", "Role"),
        ];
        let owner = Owner::from_tags(both).unwrap();
        assert_eq!(
            (owner.stack.as_str(), owner.logical_id.as_str()),
            ("app", "Role")
        );
        assert_eq!(Owner::from_tags([("fuelflow:stack", "app")]), None);
        assert_eq!(Owner::from_tags(Vec::<(String, String)>::new()), None);
    }
}
