"""Identity's first three migrations in one, for new databases.

0003 only gave the models and fields their translated names, one altered field at a time, and
each alteration made Django rebuild every model that refers to an account: a fresh ``migrate``
took almost two seconds longer. Here those names are part of the models as they are created.
A database that has applied 0001 and 0002 goes on with 0003 as before.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("identity", "0001_initial"),
        ("identity", "0002_password_reset_mail"),
        ("identity", "0003_verbose_names"),
    ]

    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="Firm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "uscc",
                    models.CharField(
                        max_length=18, unique=True, verbose_name="unified social credit code"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "name_en",
                    models.CharField(blank=True, max_length=200, verbose_name="name (English)"),
                ),
            ],
            options={
                "abstract": False,
                "verbose_name": "firm",
                "verbose_name_plural": "firms",
            },
        ),
        migrations.CreateModel(
            name="Account",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("password", models.CharField(max_length=128, verbose_name="password")),
                (
                    "last_login",
                    models.DateTimeField(blank=True, null=True, verbose_name="last login"),
                ),
                (
                    "is_superuser",
                    models.BooleanField(
                        default=False,
                        help_text="Designates that this user has all permissions without explicitly assigning them.",
                        verbose_name="superuser status",
                    ),
                ),
                (
                    "username",
                    models.CharField(max_length=150, unique=True, verbose_name="user name"),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("citizen", "Citizen or business representative"),
                            ("staff", "Staff"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "display_name",
                    models.CharField(blank=True, max_length=200, verbose_name="display name"),
                ),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "date_joined",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="date joined"
                    ),
                ),
                (
                    "groups",
                    models.ManyToManyField(
                        blank=True,
                        help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
                (
                    "user_permissions",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Specific permissions for this user.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.permission",
                        verbose_name="user permissions",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "verbose_name": "account",
                "verbose_name_plural": "accounts",
            },
        ),
        migrations.CreateModel(
            name="Person",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "id_kind",
                    models.CharField(
                        choices=[("national_id", "Citizen ID number"), ("passport", "Passport")],
                        default="national_id",
                        max_length=16,
                        verbose_name="identified by",
                    ),
                ),
                (
                    "national_id",
                    models.CharField(
                        blank=True,
                        max_length=18,
                        null=True,
                        unique=True,
                        verbose_name="national id number",
                    ),
                ),
                (
                    "passport_number",
                    models.CharField(blank=True, max_length=32, verbose_name="passport number"),
                ),
                (
                    "nationality",
                    models.CharField(
                        blank=True,
                        help_text="ISO 3166-1 alpha-3 country code",
                        max_length=3,
                        verbose_name="nationality",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "birth_date",
                    models.DateField(blank=True, null=True, verbose_name="date of birth"),
                ),
                ("phone", models.CharField(blank=True, max_length=32, verbose_name="phone")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                (
                    "account",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="person",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "person",
                "verbose_name_plural": "people",
            },
        ),
        migrations.CreateModel(
            name="FirmRepresentative",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("legal_representative", "Legal representative"),
                            ("agent", "Authorised agent"),
                        ],
                        max_length=32,
                        verbose_name="role",
                    ),
                ),
                (
                    "valid_from",
                    models.DateField(
                        default=django.utils.timezone.localdate, verbose_name="valid from"
                    ),
                ),
                (
                    "valid_until",
                    models.DateField(blank=True, null=True, verbose_name="valid until"),
                ),
                (
                    "firm",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="representations",
                        to="identity.firm",
                        verbose_name="firm",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="representations",
                        to="identity.person",
                        verbose_name="person",
                    ),
                ),
            ],
            options={
                "verbose_name": "firm representative",
                "verbose_name_plural": "firm representatives",
            },
        ),
        migrations.AddField(
            model_name="firm",
            name="representatives",
            field=models.ManyToManyField(
                related_name="firms",
                through="identity.FirmRepresentative",
                to="identity.person",
                verbose_name="representatives",
            ),
        ),
        migrations.CreateModel(
            name="Region",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name_zh", models.CharField(max_length=200, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(max_length=200, verbose_name="name (English)")),
                ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                (
                    "level",
                    models.CharField(
                        choices=[
                            ("nation", "Nation"),
                            ("province", "Province"),
                            ("city", "City"),
                            ("district", "District"),
                            ("township", "Township or street"),
                        ],
                        max_length=16,
                        verbose_name="level",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="identity.region",
                        verbose_name="parent region",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "verbose_name": "region",
                "verbose_name_plural": "regions",
            },
        ),
        migrations.AddField(
            model_name="firm",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="identity.region",
                verbose_name="region",
            ),
        ),
        migrations.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name_zh", models.CharField(max_length=200, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(max_length=200, verbose_name="name (English)")),
                ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="departments",
                        to="identity.region",
                        verbose_name="region",
                    ),
                ),
            ],
            options={
                "ordering": ["code"],
                "verbose_name": "department",
                "verbose_name_plural": "departments",
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("reviewer", "Reviewer"),
                            ("approver", "Approver"),
                            ("team_lead", "Team lead"),
                            ("department_admin", "Department admin"),
                            ("data_officer", "Data officer"),
                            ("auditor", "Auditor"),
                            ("platform_admin", "Platform admin"),
                        ],
                        max_length=32,
                        verbose_name="role",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="identity.department",
                        verbose_name="department",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "department", "role"), name="membership_unique"
                    )
                ],
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
            },
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_kind", "passport")),
                fields=("passport_number", "nationality"),
                name="person_passport_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="firmrepresentative",
            constraint=models.UniqueConstraint(
                fields=("firm", "person", "role"), name="firm_rep_unique"
            ),
        ),
        migrations.CreateModel(
            name="PasswordResetMail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(db_index=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["account", "sent_at"], name="reset_mail_account"),
                    models.Index(fields=["ip_address", "sent_at"], name="reset_mail_address"),
                ],
            },
        ),
    ]
