import factory

from members import services
from members.models import Organization, Scope, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    kind = Organization.Kind.RIGHTSHOLDER
    country = "PE"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    organization = factory.SubFactory(OrganizationFactory)
    role = User.Role.ANALYST
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_key(org: Organization, scopes=tuple(Scope.values), **kwargs) -> str:
    """An API key for `org`; returns the plain key."""
    _key, plain = services.api_key_create(
        actor=services.Actor.system(), organization=org, name="test", scopes=scopes, **kwargs
    )
    return plain
