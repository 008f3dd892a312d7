"""団体内統合宛名: 統合宛名番号, the encrypted My Number with its blind index, business-system 宛名番号, 住登外者, 名寄せ."""
