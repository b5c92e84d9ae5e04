import factory

from api.models import Photo, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    owner = factory.SubFactory(UserFactory)
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
