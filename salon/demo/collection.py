"""The full demo catalogue: the 33 hand-written pieces plus a generated collection (200+ in all).

The hand-written products in `store_data.PRODUCTS` keep their ids, names and prices (the
simulator, the tests and the README screenshot rely on them). The generated ones are derived
from a seeded RNG, so every run shows the same collection; each is drawn with the silhouette of
a hand-written "model" piece, so its images can be rendered on the fly without new artwork.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from salon.demo.store_data import (
    CLOTHING_SIZES,
    GLOVE_SIZES,
    MENS_SHOE_SIZES,
    ONE_SIZE,
    PRODUCTS,
    WOMENS_SHOE_SIZES,
    Product,
    _product,
    image_for,
)


@dataclass(frozen=True)
class Model:
    """A kind of piece: what it is called, which hand-written product it looks like, its range."""

    noun: str
    model_id: str
    low: int
    high: int
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    audience: str  # for-her | for-him | unisex


_LEATHERS = ("Black", "Cognac", "Burgundy", "Taupe", "Navy", "Camel", "Ivory", "Forest")
_METALS = ("Gold", "Rose Gold", "White Gold", "Silver", "Steel")
_CLOTH = ("Black", "Camel", "Navy", "Ivory", "Forest", "Burgundy", "Taupe")

MODELS: dict[str, tuple[Model, ...]] = {
    "handbags": (
        Model("Tote", "P101", 1400, 3600, _LEATHERS, ONE_SIZE, "for-her"),
        Model("Shoulder Bag", "P102", 1900, 4800, _LEATHERS, ONE_SIZE, "for-her"),
        Model(
            "Clutch", "P103", 650, 2400, ("Black", "Gold", "Blush", "Emerald"), ONE_SIZE, "for-her"
        ),
        Model("Weekender", "P104", 2600, 5200, _LEATHERS, ONE_SIZE, "unisex"),
        Model("Card Holder", "P105", 190, 420, _LEATHERS, ONE_SIZE, "unisex"),
        Model("Top-Handle Bag", "P106", 2800, 11800, _LEATHERS, ONE_SIZE, "for-her"),
    ),
    "watches": (
        Model("Automatic", "P201", 3900, 12400, _METALS, ONE_SIZE, "for-him"),
        Model("Moonphase", "P202", 6500, 12500, _METALS, ONE_SIZE, "unisex"),
        Model("Petite Quartz", "P203", 1800, 4200, _METALS, ONE_SIZE, "for-her"),
        Model("Chronograph", "P204", 4800, 11200, _METALS, ONE_SIZE, "for-him"),
        Model("Leather Strap", "P205", 180, 450, _LEATHERS, ONE_SIZE, "unisex"),
        Model("Dress Watch", "P206", 3200, 9800, _METALS, ONE_SIZE, "unisex"),
    ),
    "jewellery": (
        Model("Stud Earrings", "P301", 450, 3900, _METALS[:4], ONE_SIZE, "for-her"),
        Model("Tennis Bracelet", "P302", 2400, 12000, _METALS[:4], ONE_SIZE, "for-her"),
        Model("Chain Necklace", "P303", 650, 3400, _METALS[:4], ONE_SIZE, "unisex"),
        Model("Ring", "P304", 520, 9500, _METALS[:4], ONE_SIZE, "for-her"),
        Model("Pearl Drops", "P305", 780, 2900, _METALS[:3], ONE_SIZE, "for-her"),
        Model("Cuff", "P306", 900, 5400, _METALS[:4], ONE_SIZE, "unisex"),
        Model("Charm", "P307", 180, 640, _METALS[:4], ONE_SIZE, "unisex"),
    ),
    "outerwear": (
        Model("Wrap Coat", "P401", 2200, 4900, _CLOTH, CLOTHING_SIZES, "for-her"),
        Model(
            "Trench",
            "P402",
            1900,
            3600,
            ("Camel", "Navy", "Black", "Taupe"),
            CLOTHING_SIZES,
            "unisex",
        ),
        Model(
            "Shearling Jacket",
            "P403",
            3800,
            6900,
            ("Cognac", "Black", "Camel"),
            CLOTHING_SIZES,
            "for-him",
        ),
        Model("Quilted Gilet", "P404", 690, 1400, _CLOTH, CLOTHING_SIZES, "unisex"),
        Model(
            "Rain Jacket", "P405", 650, 1300, ("Navy", "Black", "Forest"), CLOTHING_SIZES, "unisex"
        ),
        Model(
            "Evening Coat",
            "P406",
            2900,
            6200,
            ("Black", "Burgundy", "Emerald"),
            CLOTHING_SIZES,
            "for-her",
        ),
        Model("Gloves", "P407", 190, 480, _LEATHERS[:5], GLOVE_SIZES, "unisex"),
    ),
    "shoes": (
        Model(
            "Pump",
            "P501",
            620,
            1200,
            ("Black", "Blush", "Burgundy", "Ivory"),
            WOMENS_SHOE_SIZES,
            "for-her",
        ),
        Model(
            "Loafer",
            "P502",
            590,
            1100,
            ("Cognac", "Black", "Burgundy", "Navy"),
            MENS_SHOE_SIZES,
            "for-him",
        ),
        Model(
            "Chelsea Boot",
            "P503",
            780,
            1500,
            ("Black", "Cognac", "Taupe"),
            MENS_SHOE_SIZES,
            "for-him",
        ),
        Model(
            "Ballerina",
            "P504",
            450,
            790,
            ("Black", "Ivory", "Blush", "Gold"),
            WOMENS_SHOE_SIZES,
            "for-her",
        ),
        Model("Sneaker", "P505", 390, 640, ("Ivory", "Black", "Navy"), MENS_SHOE_SIZES, "unisex"),
        Model(
            "Evening Sandal",
            "P506",
            890,
            2600,
            ("Gold", "Silver", "Black"),
            WOMENS_SHOE_SIZES,
            "for-her",
        ),
        Model(
            "Oxford", "P507", 850, 6400, ("Black", "Cognac", "Burgundy"), MENS_SHOE_SIZES, "for-him"
        ),
    ),
}

#: Parisian names for the lines; "Vendôme Tote", "Marais Chronograph"...
LINE_NAMES = (
    "Vendôme",
    "Marais",
    "Rivoli",
    "Opéra",
    "Tuileries",
    "Montaigne",
    "Palais",
    "Étoile",
    "Odéon",
    "Saint-Honoré",
    "Trocadéro",
    "Madeleine",
    "Concorde",
    "Bastille",
    "Pigalle",
    "Varenne",
    "Solférino",
    "Lutèce",
    "Alma",
    "Monceau",
    "Rivage",
    "Belleville",
    "Sèvres",
    "Orsay",
    "Passy",
    "Auteuil",
    "Lumière",
    "Saint-Louis",
    "Vaugirard",
    "Récamier",
)
PER_CATEGORY = 36  # + the 33 hand-written pieces = 213 products


def _generate() -> tuple[tuple[Product, ...], dict[str, str]]:
    """The generated pieces and, for each, the hand-written product whose silhouette it uses."""
    rng = random.Random("maison-aurel-collection")
    products: list[Product] = []
    looks: dict[str, str] = {}
    taken = {p.name for p in PRODUCTS}
    for digit, (category, models) in enumerate(MODELS.items(), start=1):
        for n in range(PER_CATEGORY):
            model = models[n % len(models)]
            name = f"{rng.choice(LINE_NAMES)} {model.noun}"
            while name in taken:
                name = f"{rng.choice(LINE_NAMES)} {model.noun}"
            taken.add(name)
            price = round(rng.uniform(model.low, model.high) / 10) * 10
            colours = tuple(rng.sample(model.colours, rng.randint(2, min(4, len(model.colours)))))
            product_id = f"P{digit}{n + 10:02d}"
            description = (
                f"A {model.noun.lower()} from the {name.split()[0]} line, made in our ateliers "
                f"and finished by hand."
            )
            products.append(
                _product(product_id, name, category, price, description, colours, model.sizes)
            )
            looks[product_id] = model.model_id
    return tuple(products), looks


GENERATED, LOOKS_LIKE = _generate()
CATALOGUE: tuple[Product, ...] = PRODUCTS + GENERATED
_BY_ID = {p.product_id: p for p in CATALOGUE}
#: image file name -> (product, colour), for the generated pieces drawn on request
_GENERATED_IMAGES = {image_for(p, c): (p, c) for p in GENERATED for c in p.colours}


def catalogue_product(product_id: str) -> Product | None:
    return _BY_ID.get(product_id)


def model_of(product: Product) -> Model:
    """The kind of piece a product is (hand-written products are their own model)."""
    model_id = LOOKS_LIKE.get(product.product_id, product.product_id)
    return next(
        (m for m in MODELS[product.category] if m.model_id == model_id),
        MODELS[product.category][0],
    )


@lru_cache(maxsize=256)
def generated_image(file_name: str) -> str | None:
    """The SVG of a generated piece, drawn with its model's silhouette; None if unknown."""
    found = _GENERATED_IMAGES.get(file_name)
    if found is None:
        return None
    from salon.demo import make_images  # drawing code is only needed when an image is asked for

    product, colour = found
    model = _BY_ID[LOOKS_LIKE[product.product_id]]
    return make_images.render(replace(model, name=product.name), colour)


# --- what the spec sheet, gift finder and training notes say -----------------------------

_SPECS: dict[str, dict[str, str]] = {
    "handbags": {
        "Material": "Full-grain calfskin",
        "Lining": "Suede",
        "Hardware": "Palladium brass",
        "Care": "Wipe with a dry cloth; store in its dust bag",
    },
    "watches": {
        "Movement": "Swiss automatic",
        "Water resistance": "50 m",
        "Crystal": "Sapphire, anti-reflective",
        "Care": "Service every five years",
    },
    "jewellery": {
        "Metal": "18k gold",
        "Stones": "Ethically sourced, GIA certified",
        "Care": "Polish with the cloth provided; avoid perfume",
    },
    "outerwear": {
        "Material": "Double-faced wool and cashmere",
        "Lining": "Silk twill",
        "Care": "Dry clean only",
    },
    "shoes": {
        "Upper": "Calfskin",
        "Sole": "Blake-stitched leather",
        "Care": "Use shoe trees; polish with neutral cream",
    },
}
_ORIGIN = {
    "handbags": "France",
    "watches": "Switzerland",
    "jewellery": "France",
    "outerwear": "Italy",
    "shoes": "Italy",
}
_DIMENSIONS = {
    "handbags": ("32 x 25 x 14 cm", "0.9 kg"),
    "watches": ("Case 38 mm", "95 g"),
    "jewellery": ("Adjustable", "12 g"),
    "outerwear": ("Length 110 cm", "1.6 kg"),
    "shoes": ("Heel 20 mm", "0.7 kg"),
}
_NOTES = {
    "handbags": "Point out the hand-painted edges; the Cognac darkens beautifully with wear.",
    "watches": "Let the client feel the crown; offer a strap change for the second wrist.",
    "jewellery": "Show it in daylight by the window; engraving is free and takes a week.",
    "outerwear": "Suggest trying it over a knit; the shoulders are cut to allow layering.",
    "shoes": "Mention the leather sole softens in two weeks; offer a rubber topy in the boutique.",
}
_OCCASIONS = ("anniversary", "birthday", "wedding", "graduation", "holiday", "thank-you")


def product_details(product: Product, model: Model, rng: random.Random) -> dict[str, Any]:
    """Attributes, spec sheet, gift-finder tags and the associate's note for one product."""
    dimensions, weight = _DIMENSIONS[product.category]
    specs = dict(_SPECS[product.category])
    specs.update({"Dimensions": dimensions, "Weight": weight, "Origin": _ORIGIN[product.category]})
    material = next(iter(specs.values()))
    style = rng.choice(("classic", "modern", "evening", "everyday", "statement"))
    return {
        "attributes": {
            "material": material,
            "colour_family": sorted({c.split()[-1].lower() for c in product.colours}),
            "style": style,
        },
        "specs": specs,
        "tags": [model.audience, *rng.sample(_OCCASIONS, 2), style],
        "training_notes": _NOTES[product.category],
    }
