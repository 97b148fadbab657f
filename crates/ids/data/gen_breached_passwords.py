#!/usr/bin/env python3
"""Regenerate breached-passwords.txt, the blocklist used by `check_password`.

NIST SP 800-63B asks verifiers to refuse passwords that appear in lists of
values known to be commonly used or compromised. We cannot ship a downloaded
breach corpus, so this script builds the list from the patterns that dominate
every published analysis of leaked passwords (RockYou, LinkedIn, and the 2011
CSDN / Tianya / 163 leaks for Chinese users):

* the classic most-common passwords, English and Chinese-pinyin, written down
  from memory of those published top lists;
* keyboard walks on a QWERTY layout (rows, columns, zig-zags, reversed);
* repeated and counting digits (11111111, 12341234, 147258369, ...);
* dates as people type them (YYYYMMDD from 1950 to 2025, and MMDDYYYY for
  1980-2000);
* common words, pinyin names and love phrases (woaini, 5201314) joined with the
  suffixes people add (1, 123, 1234, 520, 1314, 888, a year, ! or @123).

Only entries of at least 8 characters are kept, because shorter passwords are
already refused by the length rule. Entries are lower-cased and de-duplicated,
since the check compares case-insensitively.

Usage: python3 gen_breached_passwords.py > breached-passwords.txt
"""

import datetime

MIN_LEN = 8

# The classic top entries of published lists (mixed lengths; short ones are
# still useful as stems for the suffix rules below).
CLASSIC = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
123123 baseball abc123 football monkey letmein 696969 shadow master 666666
qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777
121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh
hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000 charlie
robert thomas hockey ranger daniel starwars klaster 112233 george computer
michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass
maggie 159753 aaaaaa ginger princess joshua cheese amanda summer love ashley
nicole chelsea biteme matthew access yankees 987654321 dallas austin thunder
taylor matrix mobilemail mom monitor monitoring montana moon moscow welcome
welcome1 password1 password123 passw0rd p@ssw0rd p@ssword admin admin123
administrator root toor changeme secret letmein1 qwerty123 qwerty1 abc12345
abcd1234 a1b2c3d4 1q2w3e4r 1q2w3e4r5t zaq12wsx qazwsxedc 1qazxsw2 123qweasd
qweasdzxc asdfghjkl asdf1234 qwer1234 zxcv1234 q1w2e3r4 q1w2e3r4t5 iloveyou1
football1 baseball1 whatever starwars1 liverpool arsenal chelsea1 manchester
superstar sunflower butterfly babygirl lovely loveyou flower hello hello123
internet samsung google facebook linkedin twitter youtube microsoft apple
blink182 pokemon naruto myspace1 jesus1 jesus god iloveu fuckyou fuckyou1
123abc 123456a a123456 aa123456 qq123456 woaini woaini1314 woaini520 wo5201314
5201314 1314520 520520 5211314 woaiwojia woainima aini1314 zhang wang li liu
chen yang huang zhao zhou wu xu sun zhu ma hu guo lin he gao luo zheng liang
xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu
du ye cheng wei su lu ding ren shen yao jin fu qian wei zhangwei wangwei
wangfang liwei lina zhangmin liqiang wangjing liujie baobao beibei xiaoming
xiaohong dandan lili nana tingting weiwei jingjing huanhuan tiantian yangyang
shanghai beijing guangzhou shenzhen zhongguo china tianya csdn qqqqqq wangyi
aptx4869 dearbook xiaoyu xiaolong longlong feifei haha hahaha tianshi
mingming ailing zhuzhu gege meimei didi jiejie baobei laopo laogong
""".split()

WORDS = """
password pass admin user login welcome hello love iloveyou loveme lover angel
dragon monkey master shadow sunshine princess football baseball soccer hockey
superman batman spiderman starwars pokemon computer internet summer winter
spring autumn flower qwerty asdf zxcv secret freedom orange banana apple
cherry peanut cookie chocolate coffee tiger lion eagle falcon phoenix hunter
killer ninja pirate soldier warrior wizard magic mickey minnie snoopy kitty
hellokitty doraemon naruto sakura goku pikachu abc abcd abcde abcdef test
testing guest default system server oracle mysql root changeme letmein trust
michael daniel david james john robert thomas jennifer jessica michelle ashley
amanda nicole charlie jordan andrew joshua matthew george taylor maggie ginger
pepper buster harley yankees dallas austin chelsea arsenal liverpool london
paris china beijing shanghai woaini aini woaiwojia wodemima mima zhongguo
xiaoming baobao beibei laopo laogong qiqi lili nana yangyang tiantian
zhang wang li liu chen yang huang zhao zhou wu xu sun zhu ma hu guo lin he
gao luo zheng liang xie song tang han feng deng cao peng zeng xiao tian dong
""".split()

SUFFIXES = """
1 12 123 1234 12345 123456 1234567 12345678 123456789 0 00 01 007 11 111 666
888 999 520 521 1314 5201314 69 99 88 2000 ! !! !@# @123 #123 123! 1! @ .
abc qwe a
""".split()

PREFIXES = ['a', 'aa', 'qq', 'wo', 'i', 'my', '123', 'abc', '520', '1314']

KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm',
                 '!@#$%^&*()']


def keyboard_walks():
    """Substrings of rows, row concatenations, column walks and zig-zags."""
    out = set()
    sources = list(KEYBOARD_ROWS)
    sources.append(''.join(KEYBOARD_ROWS[:4]))
    columns = [''.join(r[i] for r in KEYBOARD_ROWS[:4] if i < len(r))
               for i in range(10)]
    sources.append(''.join(columns))          # 1qaz2wsx3edc...
    sources.append(''.join(c[:3] for c in columns))
    sources.append(''.join(c[::-1] for c in columns))  # zaq1xsw2...
    sources.append(''.join(a + b for a, b in zip(KEYBOARD_ROWS[0], KEYBOARD_ROWS[1])))  # 1q2w3e...
    sources.append(''.join(a + b for a, b in zip(KEYBOARD_ROWS[1], KEYBOARD_ROWS[2])))  # qawsed...
    sources.append(''.join(a + b + c for a, b, c in zip(KEYBOARD_ROWS[1], KEYBOARD_ROWS[2], KEYBOARD_ROWS[3])))
    sources.append('qweasdzxc' 'rtyfghvbn' 'uiojklm')
    sources.append('147258369' '0')
    sources.append('159357' '456' '852')
    for src in sources:
        for text in (src, src[::-1]):
            for i in range(len(text)):
                for j in range(i + MIN_LEN, min(len(text), i + 20) + 1):
                    out.add(text[i:j])
    # Two short walks typed twice or joined: qwerasdf, asdfqwer, 1234qwer ...
    blocks = ['1234', '4321', 'qwer', 'asdf', 'zxcv', '1qaz', '2wsx', 'qaz',
              'wsx', 'edc', '123', '321', 'abc', 'qwe', 'asd', 'zxc', '!@#$', '!qaz', '@wsx']
    for a in blocks:
        for b in blocks:
            for c in ('',) + tuple(blocks):
                out.add(a + b + c)
    return out


def digit_patterns():
    """Repeated digits and letters, counting runs and repeated short groups."""
    out = set()
    for ch in '0123456789abcdefghijklmnopqrstuvwxyz':
        for n in range(MIN_LEN, 21):
            out.add(ch * n)
    for n in range(1, 1000):
        group = str(n)
        for times in range(2, 9):
            out.add(group * times)
    for a in range(10):
        for b in range(10):
            out.add((str(a) * 4) + (str(b) * 4))
            out.add((str(a) * 2 + str(b) * 2) * 2)
            out.add((str(a) * 3) + (str(b) * 3) + (str(a) * 3))
    digits = '01234567890123456789'
    for start in range(10):
        for n in range(MIN_LEN, 13):
            out.add(digits[start:start + n])
            out.add(digits[start:start + n][::-1])
    for extra in ('11223344', '112233445566', '11223344556677', '1122334455',
                  '12344321', '123454321', '1234554321', '12121212', '13131313',
                  '147258369', '159753456', '159357456', '741852963', '963852741',
                  '789456123', '123456654321', '123321123', '5201314520',
                  '13141314', '52013141314', '1314520520', '5211314521', '77585210',
                  '7758521', '7758258', '5841314520', '3344520', '584520'):
        out.add(extra)
    return out


def dates():
    """Birthdays and years as people type them."""
    out = set()
    day = datetime.date(1950, 1, 1)
    while day <= datetime.date(2025, 12, 31):
        out.add(day.strftime('%Y%m%d'))
        if 1980 <= day.year <= 2000:
            out.add(day.strftime('%m%d%Y'))
        day += datetime.timedelta(days=1)
    for year in range(1950, 2026):
        for word in ('love', 'abc', 'qwe', 'aa', 'qq', 'wang', 'zhang', 'li', 'liu', 'chen'):
            out.add(word + str(year))
            out.add(str(year) + word)
    return out


def words_with_suffixes():
    out = set()
    stems = set(WORDS) | set(CLASSIC)
    for stem in stems:
        out.add(stem)
        out.add(stem + stem)
        for suffix in SUFFIXES:
            out.add(stem + suffix)
        for prefix in PREFIXES:
            out.add(prefix + stem)
        for year in range(1970, 2011):
            out.add(stem + str(year))
            out.add(stem + str(year)[2:])
        for leet in (stem.replace('a', '@'), stem.replace('o', '0'),
                     stem.replace('a', '@').replace('o', '0'),
                     stem.replace('e', '3'), stem.replace('i', '1'), stem.replace('s', '$')):
            out.add(leet)
            for suffix in ('1', '123', '!', '1!'):
                out.add(leet + suffix)
    return out


def main():
    entries = set()
    entries |= {w.lower() for w in CLASSIC}
    entries |= keyboard_walks()
    entries |= digit_patterns()
    entries |= dates()
    entries |= words_with_suffixes()
    kept = sorted(e.lower() for e in entries
                  if len(e) >= MIN_LEN and not e.startswith('#') and e.strip() == e)
    kept = sorted(set(kept))
    print('# Commonly used passwords of at least %d characters, lower-cased, one per line.' % MIN_LEN)
    print('# Generated by gen_breached_passwords.py (read its docstring for how): classic')
    print('# most-common passwords, keyboard walks, repeated and counting digits, dates')
    print('# (YYYYMMDD 1950-2025 and MMDDYYYY 1980-2000), and common English')
    print('# words, pinyin names and love phrases joined with the usual suffixes.')
    print('# %d entries.' % len(kept))
    for e in kept:
        print(e)


if __name__ == '__main__':
    main()
