"""API shapes of the force area: a force with its districts, a district with its neighbourhoods."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator


class Message(BaseModel):
    """An error: what was asked for and not found."""

    detail: str = Field(examples=["Kent Police has no district 'nowhere'; its districts are …"])


class TeamRead(BaseModel):
    """A team with its strength."""

    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(examples=["local_policing_team"])
    name: str = Field(examples=["Ashford Local Policing Team"])
    people: int = Field(description="Post holders in the team.")
    units: int = Field(description="Deployable units: patrol cars, foot patrols, PCSOs, specials.")
    shift_pattern: str | None = None


class DistrictBase(BaseModel):
    """What every shape of a district says: residents, area, commander and teams."""

    model_config = ConfigDict(from_attributes=True)

    name: str = Field(examples=["Sevenoaks"])
    slug: str = Field(examples=["sevenoaks"], description="The district's name in addresses.")
    code: str = Field(examples=["E07000111"], description="ONS 2011 local authority code.")
    population: int = Field(description="Residents at the 2011 census.")
    households: int
    hectares: float
    urban_neighbourhoods: int = Field(description="Neighbourhoods counted as urban.")
    commander: str | None = Field(description="The District Commander's name.")
    teams: list[TeamRead]

    @computed_field(description="Residents per hectare.")  # type: ignore[prop-decorator]
    @property
    def density(self) -> float:
        """Residents per hectare (0 when the area is unknown)."""
        return round(self.population / self.hectares, 2) if self.hectares else 0.0


class DistrictSummaryRead(DistrictBase):
    """A district in the force's list (as ``constable force show --json`` prints it)."""

    neighbourhoods: int = Field(description="Number of neighbourhoods (LSOAs).")


class ForceRead(BaseModel):
    """A force: totals, its districts and its force-level teams."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["kent"])
    name: str = Field(examples=["Kent Police"])
    population: int
    households: int
    hectares: float
    neighbourhoods: int
    districts: list[DistrictSummaryRead]
    force_teams: list[TeamRead]

    @computed_field(description="Number of districts.")  # type: ignore[prop-decorator]
    @property
    def district_count(self) -> int:
        """How many districts the force has."""
        return len(self.districts)


class NeighbourhoodRead(BaseModel):
    """A neighbourhood: one census LSOA, with its residents and its named PCSO."""

    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["E01024413"], description="ONS 2011 LSOA code.")
    name: str = Field(examples=["Sevenoaks 016A"])
    population: int
    households: int
    hectares: float
    urban: bool
    pcso: str | None = Field(description="The named PCSO's name.")
    latitude: float | None
    longitude: float | None
    easting: float | None = Field(description="British National Grid, metres.")
    northing: float | None = Field(description="British National Grid, metres.")

    @field_validator("pcso", mode="before")
    @classmethod
    def _person_name(cls, value: Any) -> Any:
        """Read from the table, ``pcso`` is the person: keep their name."""
        return getattr(value, "name", value)

    @computed_field(description="Residents per hectare.")  # type: ignore[prop-decorator]
    @property
    def density(self) -> float:
        """Residents per hectare (0 when the area is unknown)."""
        return round(self.population / self.hectares, 2) if self.hectares else 0.0


class DistrictRead(DistrictBase):
    """A district with its force and every neighbourhood."""

    force: str = Field(examples=["kent"], description="The force's code.")
    force_name: str = Field(examples=["Kent Police"])
    neighbourhood_count: int
    neighbourhoods: list[NeighbourhoodRead]
